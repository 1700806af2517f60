/**
 * @module lab/scenarios
 * The scenario registry (one file per scenario). This file only lists them.
 */
import type { Scenario } from '../scenario.js';
import { closeWaitClient } from './close-wait-client.js';
import { closeWaitServer } from './close-wait-server.js';

export const SCENARIOS: readonly Scenario[] = [closeWaitClient, closeWaitServer];

/** The scenario named `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
