/**
 * Is a container engine reachable? Asked once, before the containers suite starts anything:
 * without Docker (or Podman…) testcontainers' getContainerRuntimeClient() rejects within a few
 * milliseconds ("Could not find a working container runtime strategy", shared/notes).
 */
import { getContainerRuntimeClient } from 'testcontainers';

/** Why no container can be started here, or undefined when an engine answers. */
export async function containerRuntimeProblem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
