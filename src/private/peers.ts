/**
 * Checks, when the package loads, that its peer dependencies can be found, and otherwise fails with one
 * error that names each missing package and the command that installs it. npm 7+ and pnpm install peer
 * dependencies themselves; yarn, `npm --legacy-peer-deps` and pnpm with `auto-install-peers=false` do
 * not, and Node's own "Cannot find module 'cdk-nag'" would not say why it is needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why each peer is needed, for the message. */
const PEER_USE: Record<string, string> = {
  'aws-cdk-lib': 'every construct',
  'constructs': 'every construct',
  'cdk-nag': 'KeyPolicyChecks, a cdk-nag NagPack',
};

/** The peer dependencies (name -> range) that `resolve` cannot find. */
export function missingPeers(peers: Record<string, string>, resolve: (name: string) => unknown): Array<[string, string]> {
  return Object.entries(peers).filter(([name]) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** The error message for missing peers; undefined when none is missing. */
export function missingPeersMessage(missing: Array<[string, string]>): string | undefined {
  if (missing.length === 0) return undefined;
  const list = missing.map(([name, range]) => `${name}@${range} (for ${PEER_USE[name] ?? 'this library'})`).join(', ');
  const install = missing.map(([name, range]) => `'${name}@${range}'`).join(' ');
  return `cdk-secure-key needs its peer dependencies ${list}, which are not installed. `
    + `Install them next to it: npm install ${install} (or pnpm add / yarn add). `
    + 'npm 7+ and pnpm install peer dependencies themselves; yarn and npm --legacy-peer-deps do not.';
}

function peersOfThisPackage(): Record<string, string> {
  // src/private/peers.ts and lib/private/peers.js both sit two levels below package.json.
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
  return pkg.peerDependencies ?? {};
}

const message = missingPeersMessage(missingPeers(peersOfThisPackage(), (name) => require.resolve(name)));
if (message) throw new Error(message);
