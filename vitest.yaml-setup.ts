/**
 * Loads the YAML parser before each test file of the packages that build networks from YAML text: the sync
 * `create*Model(yamlText)` needs it loaded (`loadYamlSupport`, DESIGN.md "YAML on demand"), as a user's code
 * does once. The lazy path itself (no parser until YAML is given; the async factories load it; the error
 * without it) is tested in a fresh process by hrnet-backbone/test/yaml-on-demand.test.ts.
 */
import { loadYamlSupport } from '@hrnetjs/hrnet-backbone';

await loadYamlSupport();
