export type { PostgisInfo } from '../db/capabilities.js';
