// `dist/daemon-bundle/daemon.mjs` exists only after `npm run build` (scripts/bundle-daemon.mjs); its
// exports are those of src/daemon/daemon.ts, which the importer (src/cli/daemon.ts) states.
declare module "*/daemon-bundle/daemon.mjs";
