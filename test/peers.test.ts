/**
 * `require('cdk-secure-key')` where peer dependencies are not installed for the user (yarn,
 * `npm --legacy-peer-deps`, pnpm with auto-install-peers=false): it fails with one message that names
 * what is missing and how to install it, never Node's bare "Cannot find module".
 * The install is simulated by layout: a consumer folder whose node_modules holds the packed package,
 * aws-cdk-lib and constructs, and cdk-nag only when the test adds it (npm's cache here lacks what an
 * offline `npm install` of aws-cdk-lib would need).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingPeers, missingPeersMessage } from '../src/private/peers';

const root = path.join(__dirname, '..');
const PEERS = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;

describe('missing peer dependencies', () => {
  test('the message names each missing peer, what it is for, and the install command', () => {
    const missing = missingPeers(PEERS, (name) => {
      if (name === 'cdk-nag') throw new Error('not found');
      return name;
    });
    expect(missing).toEqual([['cdk-nag', PEERS['cdk-nag']]]);
    const message = missingPeersMessage(missing)!;
    expect(message).toContain(`cdk-nag@${PEERS['cdk-nag']} (for KeyPolicyChecks, a cdk-nag NagPack)`);
    expect(message).toContain(`npm install 'cdk-nag@${PEERS['cdk-nag']}'`);
    expect(missingPeersMessage(missingPeers(PEERS, (n) => n))).toBeUndefined();
  });

  const built = fs.existsSync(path.join(root, 'lib', 'index.js'));
  if (!built && process.env.SECUREKEY_REQUIRE_BUILD !== '1') {
    console.log('test/peers.test.ts: the package is not built (run `npx projen compile`); the install layout is not checked.');
  }
  (built || process.env.SECUREKEY_REQUIRE_BUILD === '1' ? test : test.skip)(
    'the packed package without cdk-nag: require fails with what to install; cdk-secure-key/lambda works; with cdk-nag everything loads',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'securekey-peers-'));
      try {
        execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, stdio: 'ignore' });
        const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
        const modules = path.join(dir, 'node_modules');
        fs.mkdirSync(path.join(modules, 'cdk-secure-key'), { recursive: true });
        execFileSync('tar', ['xzf', path.join(dir, tgz), '-C', path.join(modules, 'cdk-secure-key'), '--strip-components=1']);
        for (const dep of ['aws-cdk-lib', 'constructs']) fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep), 'dir');
        const load = (what: string) => spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(what)}); console.log(Object.keys(m).sort().join(','))`], {
          cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' },
        });

        const without = load('cdk-secure-key');
        expect(without.status).not.toBe(0);
        expect(without.stderr).toContain(`cdk-secure-key needs its peer dependencies cdk-nag@${PEERS['cdk-nag']}`);
        expect(without.stderr).toContain(`npm install 'cdk-nag@${PEERS['cdk-nag']}'`);
        expect(without.stderr).not.toContain('Cannot find module');

        const lambda = load('cdk-secure-key/lambda');
        expect(lambda.stderr).toBe('');
        expect(lambda.stdout).toContain('EnvelopeClient');

        fs.symlinkSync(path.join(root, 'node_modules', 'cdk-nag'), path.join(modules, 'cdk-nag'), 'dir');
        const withNag = load('cdk-secure-key');
        expect(withNag.stderr).toBe('');
        expect(withNag.stdout.split(',')).toEqual(expect.arrayContaining(['SecureKey', 'KeyPolicyChecks']));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
