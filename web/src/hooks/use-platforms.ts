/**
 * The chat platforms the daemon bridges (`GET /api/v1/im/platforms`), loaded once and shared: the
 * IM settings form, status texts and message badges read names and fields from here, so the Web UI
 * names no platform itself (docs/architecture.md).
 */
import { useEffect, useState } from "react";
import { api } from "../api/client.ts";
import type { PlatformInfo } from "../api/types.ts";

let cache: PlatformInfo[] | undefined;
let loading: Promise<PlatformInfo[]> | undefined;
const listeners = new Set<(platforms: PlatformInfo[]) => void>();

function load(): Promise<PlatformInfo[]> {
  loading ??= api
    .imPlatforms()
    .then((r) => {
      cache = r.platforms;
      for (const l of listeners) l(r.platforms);
      return r.platforms;
    })
    .catch(() => {
      loading = undefined; // try again on the next mount
      return [];
    });
  return loading;
}

/** The platforms ([] until loaded); re-renders when they arrive. */
export function usePlatforms(): PlatformInfo[] {
  const [platforms, setPlatforms] = useState<PlatformInfo[]>(cache ?? []);
  useEffect(() => {
    listeners.add(setPlatforms);
    if (cache) setPlatforms(cache);
    else void load();
    return () => {
      listeners.delete(setPlatforms);
    };
  }, []);
  return platforms;
}

/** A platform's name for running text, or its id while the list loads. */
export function platformLabel(platforms: PlatformInfo[], id: string): string {
  return platforms.find((p) => p.id === id)?.label ?? id;
}

/** "Foo", "Foo and Bar". */
export function platformLabels(platforms: PlatformInfo[]): string {
  const names = platforms.map((p) => p.label);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
}
