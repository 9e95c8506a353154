/** DatasetError lives in src/engine/errors.ts with the other error kinds; re-exported here for dataset/ imports. */
export { DatasetError } from '../errors';
