export { exportOnnx, readExportInfo, ONNX_OPSET, type OnnxExportOptions, type OnnxExportInfo, type OnnxLayout } from './export.js';
export { loadOnnxRuntime, setOnnxRuntimeLoader, type OnnxRuntimeLoader, type OnnxRuntimePackage } from './ort-loader.js';
export { onnxOpCounts } from './proto.js';
