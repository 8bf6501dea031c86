// The jq compiler the IR compiler uses by default: src/jq (one place to switch).
export { compile as defaultJq } from '../jq/index.js';
