#!/usr/bin/env node
// The `bml` executable. It is a committed file so that `pnpm install` can link
// it before the TypeScript sources are built into dist/.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('bml is not built yet: run `pnpm build` at the repository root, then try again.');
    process.exit(1);
  }
  throw error;
});
