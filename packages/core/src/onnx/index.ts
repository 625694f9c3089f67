export { exportOnnx, readExportInfo, ONNX_OPSET, type OnnxExportOptions, type OnnxExportInfo } from './export.js';
export { setOnnxRuntimeLoader, type OnnxRuntimeLoader, type OnnxRuntimePackage } from './ort-loader.js';
