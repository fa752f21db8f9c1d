import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Paths inside a CCCC home. */
export class Home {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Home {
    return new Home(env.CCCC_HOME || join(homedir(), ".cccc"));
  }

  get daemonDir(): string {
    return join(this.root, "daemon");
  }
  get endpointFile(): string {
    return join(this.daemonDir, "endpoint.json");
  }
  get daemonLog(): string {
    return join(this.daemonDir, "daemon.log");
  }
  get groupsDir(): string {
    return join(this.root, "groups");
  }
  get activeGroupFile(): string {
    return join(this.root, "active_group");
  }
  groupDir(groupId: string): string {
    return join(this.groupsDir, groupId);
  }
  groupConfigFile(groupId: string): string {
    return join(this.groupDir(groupId), "group.yaml");
  }
  ledgerFile(groupId: string): string {
    return join(this.groupDir(groupId), "ledger.jsonl");
  }
  blobsDir(groupId: string): string {
    return join(this.groupDir(groupId), "blobs");
  }
  stateDir(groupId: string): string {
    return join(this.groupDir(groupId), "state");
  }
  secretsFile(groupId: string): string {
    return join(this.root, "secrets", `${groupId}.json`);
  }
}
