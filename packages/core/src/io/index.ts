export * from './state-dict.js';
export { type CheckpointFormat, type LoadCheckpointOptions, type LoadCheckpointAsyncOptions, detectCheckpointFormat, loadCheckpoint, loadCheckpointAsync, loadCheckpointMeta } from './load.js';
export { NumpyArray, NumpyDType } from './numpy-pickle.js';
export { type KeyRuleOptions, normalizeStateDictKeys } from './keys.js';
export { readNpy, writeNpy } from './npy.js';
export { type ReadSafetensorsOptions, type SaveSafetensorsOptions, readSafetensors, saveSafetensors } from './safetensors.js';
export {
  type LoadTfjsWeightsOptions, type SaveTfjsWeightsOptions, type TfjsModelJson, type TfjsShards, type TfjsWeightEntry,
  type TfjsWeightsFiles, type TfjsWeightsGroup, loadTfjsWeights, parseTfjsModelJson, saveTfjsWeights,
} from './tfjs.js';
export { STATE_DICT_WRAPPER_KEYS } from './torch.js';
export { type WeightsSource, loadWeights } from './weights.js';
