/**
 * The platform registry: every chat platform CCCC can bridge. Adding a platform = one folder under
 * src/im/ exporting a `PlatformModule`, plus one line here (docs/architecture.md).
 */
import { dingtalk } from "./dingtalk/module.js";
import { PlatformRegistry } from "./registry.js";

export const PLATFORMS = new PlatformRegistry([
  dingtalk, // the registry line
]);
