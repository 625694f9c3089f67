export { exportOnnx, readExportInfo, ONNX_OPSET, type OnnxExportOptions, type OnnxExportInfo } from './export.js';
