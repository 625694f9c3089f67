import { libraryConfig } from '../../tsup.shared.mjs';

export default libraryConfig({ index: 'src/index.ts', bench: 'src/bench.ts' });
