/**
 * Every write strategy by name, with the plan it takes: the one place that knows them all, like
 * providers/registry.ts for the read side. A new strategy (SPEC §13: append, merge) is a new file
 * beside these plus one line in each map below; nothing else in load/ or sidecar/ changes shape.
 */
import { newTableStrategy } from './new-table.js';
import { replaceStrategy, type ReplacePlan } from './replace.js';
import type { LoadPlan, WriteStrategy } from './write-strategy.js';

/** The plan each strategy's `begin` takes. */
export interface StrategyPlans {
  /** An import (cdb_connector_import). */
  'new-table': LoadPlan;
  /** A run of a sync table in the default mode (SPEC §5, §13 `"mode": "replace"`). */
  replace: ReplacePlan;
}

export type StrategyName = keyof StrategyPlans;

const STRATEGIES: { readonly [K in StrategyName]: WriteStrategy<StrategyPlans[K]> } = {
  'new-table': newTableStrategy,
  replace: replaceStrategy,
};

export function writeStrategy<K extends StrategyName>(name: K): WriteStrategy<StrategyPlans[K]> {
  return STRATEGIES[name];
}
