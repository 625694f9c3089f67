import { libraryConfig } from '../../tsup.shared.mjs';

export default libraryConfig({ index: 'src/index.ts', node: 'src/node.ts', testing: 'src/testing.ts' });
