/** `@hrnetjs/cli` as a library: the same commands as the `hrnet` executable, plus its building blocks. */
export { run, USAGE, type RunIo } from './main.js';
export { EXIT, CliError } from './exit-codes.js';
export { downloadFile, sha256File, DownloadError, type DownloadOptions, type DownloadResult } from './download.js';
export { cacheDir, fetchZooFile, zooFilePath } from './cache.js';
export { expandInputs, globToRegExp, IMAGE_EXTENSIONS } from './inputs.js';
export { readImage, writeImage } from './images.js';
export { describeArchitecture, trunkStages } from './commands/info.js';
export { Progress, formatDuration } from './progress.js';
