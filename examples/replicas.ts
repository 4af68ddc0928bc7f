/**
 * A multi-Region key: the primary in us-east-1 with replicas in eu-west-1 and ap-southeast-2, each used by a
 * bucket in its own Region. The lead wires `addReplicaExample` into the example app; tests synthesize it.
 */
import { Annotations, App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SecureKey } from '../src';

export function addReplicaExample(app: App): { primary: Stack; replicas: Stack[] } {
  // --- begin readme ---
  const primary = new Stack(app, 'SecureKeyReplicas', { env: { account: '111111111111', region: 'us-east-1' } });
  const reader = (stack: Stack) => new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

  const key = new SecureKey(primary, 'OrdersKey', {
    description: 'Orders, readable in every Region',
    aliases: ['orders'],
    administrators: [new iam.Role(primary, 'KeyAdmin', { assumedBy: new iam.AccountRootPrincipal() })],
    replicaRegions: ['eu-west-1', 'ap-southeast-2'], // a stack per Region, made by the key
  });
  // New key, created multi-Region from the start: nothing to convert.
  Annotations.of(key).acknowledgeWarning('cdk-secure-key:multiRegionIsANewKey', 'created multi-Region');
  new s3.Bucket(primary, 'Orders', { encryptionKey: key, enforceSSL: true }).grantReadWrite(reader(primary));

  for (const replica of key.replicaKeys) { // an IKey of its Region; grants land in its own key policy
    new s3.Bucket(replica.stack, 'Orders', { encryptionKey: replica, enforceSSL: true }).grantRead(reader(replica.stack));
  }
  // --- end readme ---
  return { primary, replicas: key.replicaKeys.map((r) => r.stack) };
}
