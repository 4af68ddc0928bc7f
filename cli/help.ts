/** Help texts: `cdk-secure-key --help` and `cdk-secure-key <command> --help`. */
import { DEFAULT_KEY_STORE, KEY_STORE_ENV } from './backend';
import { EXIT_CODE_TEXT } from './errors';

const BACKEND_OPTIONS = `Key service (AWS KMS unless --local; never one instead of the other):
  --local                 use the local KMS stand-in and its key store file (development only)
  --key-store FILE        the local key store (with --local)
                          default: $${KEY_STORE_ENV}, else ${DEFAULT_KEY_STORE}
  --region REGION         AWS region (default: the AWS SDK's chain: AWS_REGION, the profile's region)
                          with --local: the store's region (default us-east-1, or the key ARN's)
  --profile NAME          AWS profile (default: AWS_PROFILE, else the SDK's default chain)
  --endpoint URL          KMS endpoint (default: AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, else AWS's)`;

export const EXIT_CODES = `Exit codes:
${EXIT_CODE_TEXT.map(([code, text]) => `  ${code}  ${text}`).join('\n')}`;

export const HELP: Record<string, string> = {
  'main': `cdk-secure-key: encrypt and decrypt files with KMS, manage the local key store, report on CDK apps

Usage: cdk-secure-key <command> [options]

Commands:
  encrypt     encrypt a file or standard input (AWS Encryption SDK message format)
  decrypt     decrypt a message, releasing nothing unless all of it verifies
  keys        create, list, rotate, disable and delete keys in the local key store
  report      access report and key-policy findings for every KMS key in a cdk.out
  can         can a principal of a cdk.out do an action on one of its keys? (exit 0 yes, 7 no)

Run cdk-secure-key <command> --help for its options and examples.

Examples:
  cdk-secure-key encrypt --key alias/app --context tenant=acme -o report.pdf.enc report.pdf
  cdk-secure-key decrypt --key alias/app --context tenant=acme -o report.pdf report.pdf.enc
  cdk-secure-key keys create --alias alias/dev
  cdk-secure-key encrypt --local --key alias/dev -o notes.enc notes.txt
  cdk-secure-key report cdk.out
  cdk-secure-key can cdk.out --principal Stack/AppRole --action kms:Decrypt --key Stack/Key

Messages on standard error say which key service was used; errors are one line.

${EXIT_CODES}`,

  'encrypt': `Usage: cdk-secure-key encrypt --key KEY [options] [INPUT]

Encrypts INPUT (a file; standard input if "-" or left out) under a KMS key into one AWS Encryption SDK
message (format v2, key commitment), which the AWS Encryption CLI and SDKs decrypt. Streams: memory
stays small whatever the size. The output appears only once the whole message is written.

Options:
  -k, --key KEY           KMS key id, key ARN, alias name (alias/NAME) or alias ARN (required)
  -c, --context K=V       encryption-context pair bound to the message (repeat for more pairs)
  -o, --output FILE       where to write the message (default: standard output, never a terminal)
  -f, --force             replace FILE (or a symbolic link at FILE) if it exists
      --signed            add an ECDSA P-384 signature (suite 0x0578; default 0x0478, unsigned)
      --frame-length N    plaintext bytes per frame (default 262144)
  -q, --quiet             no progress bar and no summary line
  -h, --help              this help

${BACKEND_OPTIONS}

Examples:
  cdk-secure-key encrypt --key alias/app --context tenant=acme -o data.json.enc data.json
  tar c photos | cdk-secure-key encrypt --key arn:aws:kms:eu-west-1:111122223333:key/1234abcd-... > photos.tar.enc
  cdk-secure-key encrypt --local --key alias/dev --context env=test -o notes.enc notes.txt
  AWS_PROFILE=prod cdk-secure-key encrypt --key alias/backup --signed -o dump.enc dump.sql

${EXIT_CODES}`,

  'decrypt': `Usage: cdk-secure-key decrypt --key KEY [options] [INPUT]

Decrypts one AWS Encryption SDK message (ours, the AWS Encryption CLI's or any SDK's, format v2 with key
commitment) from INPUT (a file; standard input if "-" or left out). The plaintext goes to a temporary
file and reaches FILE (or standard output) only after every frame and the signature verified: on any
failure nothing is written, FILE is untouched, and the exit code is not 0. For standard output the
temporary file has no name (nothing is left behind even if the process is killed).

Options:
  -k, --key KEY           the KMS key that may decrypt it: key id, key ARN, alias name or alias ARN (required)
  -c, --context K=V       a pair the message's encryption context must contain (repeat for more)
  -o, --output FILE       where to write the plaintext, mode 0600 (default: standard output)
  -f, --force             replace FILE (or a symbolic link at FILE) if it exists
  -q, --quiet             no progress bar and no summary line
  -h, --help              this help

${BACKEND_OPTIONS}

Examples:
  cdk-secure-key decrypt --key alias/app --context tenant=acme -o data.json data.json.enc
  cdk-secure-key decrypt --key arn:aws:kms:eu-west-1:111122223333:key/1234abcd-... < photos.tar.enc | tar x
  cdk-secure-key decrypt --local --key alias/dev --context env=test -o notes.txt notes.enc

${EXIT_CODES}`,

  'keys': `Usage: cdk-secure-key keys <subcommand> [options]

Manages keys in the local key store (the offline KMS stand-in behind --local; development only).
For AWS KMS keys, use SecureKey in your CDK app, or the AWS CLI.

Subcommands:
  create                  create a key (prints its ARN)
  list                    list the keys of a region
  rotate KEY              new key material now (old messages still decrypt)
  disable KEY             disable a key (encrypt and decrypt fail until enabled)
  enable KEY              enable a disabled key
  schedule-deletion KEY   delete the key after a waiting period (7 to 30 days)
  cancel-deletion KEY     cancel a scheduled deletion (the key stays disabled)

KEY is a key id, key ARN, alias name or alias ARN.

Options (every subcommand):
  --key-store FILE        the key store (default: $${KEY_STORE_ENV}, else ${DEFAULT_KEY_STORE})
  --region REGION         the store's region (default us-east-1; a key ARN's own region)
  --local                 accepted for symmetry with encrypt/decrypt: keys always uses the local store
  -h, --help              help (cdk-secure-key keys <subcommand> --help for each)

Examples:
  cdk-secure-key keys create --alias alias/dev --description "my laptop"
  cdk-secure-key keys list
  cdk-secure-key keys rotate alias/dev
  cdk-secure-key keys schedule-deletion alias/dev --pending-days 7

${EXIT_CODES}`,

  'keys create': `Usage: cdk-secure-key keys create [options]

Creates a key in the local key store (creating the store file, mode 0600, if needed) and prints its ARN
on standard output.

Options:
  --spec SPEC             SYMMETRIC_DEFAULT (default), RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256,
                          ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, HMAC_224, HMAC_256, HMAC_384, HMAC_512
  --usage USAGE           ENCRYPT_DECRYPT (default), SIGN_VERIFY, GENERATE_VERIFY_MAC
  --alias NAME            an alias for the key (alias/ prefix optional)
  --description TEXT      a description
  --json                  print the key's metadata as JSON instead of its ARN
  --key-store FILE, --region REGION, --local: see cdk-secure-key keys --help

Examples:
  cdk-secure-key keys create --alias alias/dev
  cdk-secure-key keys create --spec ECC_NIST_P256 --usage SIGN_VERIFY --alias signer
  KEY=$(cdk-secure-key keys create) && cdk-secure-key encrypt --local --key "$KEY" -o a.enc a.txt`,

  'keys list': `Usage: cdk-secure-key keys list [options]

Lists the keys of the local key store in one region: id, state, spec, usage, rotation, aliases.

Options:
  --json                  print JSON (one object per key) instead of a table
  --key-store FILE, --region REGION, --local: see cdk-secure-key keys --help

Examples:
  cdk-secure-key keys list
  cdk-secure-key keys list --region eu-west-1 --json`,

  'keys rotate': `Usage: cdk-secure-key keys rotate KEY [options]

Gives a symmetric encryption key new key material now; messages made before still decrypt.

Options:
  --every DAYS            also rotate automatically every DAYS days (90 to 2560)
  --key-store FILE, --region REGION, --local: see cdk-secure-key keys --help

Examples:
  cdk-secure-key keys rotate alias/dev
  cdk-secure-key keys rotate alias/dev --every 365`,

  'keys disable': `Usage: cdk-secure-key keys disable KEY [options]

Disables a key: encrypt and decrypt under it fail (exit code 4) until it is enabled again.

Examples:
  cdk-secure-key keys disable alias/dev`,

  'keys enable': `Usage: cdk-secure-key keys enable KEY [options]

Enables a disabled key.

Examples:
  cdk-secure-key keys enable alias/dev`,

  'keys schedule-deletion': `Usage: cdk-secure-key keys schedule-deletion KEY [options]

Schedules the key's deletion after a waiting period, as KMS does: until then the key is unusable
(exit code 4) and the deletion can be cancelled; afterwards its messages can never be decrypted.

Options:
  --pending-days DAYS     waiting period, 7 to 30 (default 30)

Examples:
  cdk-secure-key keys schedule-deletion alias/dev --pending-days 7`,

  'keys cancel-deletion': `Usage: cdk-secure-key keys cancel-deletion KEY [options]

Cancels a scheduled deletion. As in KMS, the key is then disabled: enable it to use it.

Examples:
  cdk-secure-key keys cancel-deletion alias/dev && cdk-secure-key keys enable alias/dev`,

  'report': `Usage: cdk-secure-key report [options] [CDK_OUT]

For every KMS key (AWS::KMS::Key) in the stacks of a synthesized cloud assembly (default ./cdk.out):
the access report (who can do what with the key) and the key-policy findings. Exits 6 when any finding
is an error, so a pipeline can gate on it.

Options:
  --json                  print JSON instead of Markdown
  --stack NAME            only this stack (repeatable)
  -h, --help              this help

Examples:
  npx cdk synth && cdk-secure-key report cdk.out
  cdk-secure-key report cdk.out --json > key-report.json
  cdk-secure-key report cdk.out --stack Prod > key-report.md || echo "key policy errors"

${EXIT_CODES}`,
  'can': `Usage: cdk-secure-key can [options] [CDK_OUT]

Loads the keys, key policies, IAM roles and users of a synthesized cloud assembly (default ./cdk.out)
into LocalKms and answers: may this principal perform this action on this key, with this request
context? Prints ALLOWED or DENIED with the deciding statements (key policy and IAM policy statements,
by Sid or content hash). Exits 0 when allowed and 7 when denied.

Options:
  -p, --principal NAME    role or user: construct path (Stack/AppRole), Stack/LogicalId or ARN (required)
  -a, --action ACTION     kms:Decrypt, kms:GenerateDataKey, ... (the kms: prefix is optional) (required)
  -k, --key NAME          key: construct path (Stack/Key), alias name or key ARN (required)
  -c, --context K=V       encryption context pair of the request (repeatable)
  --via-service NAME      the call comes through this service (kms:ViaService): s3, or s3.eu-west-1.amazonaws.com
  --source-arn ARN        aws:SourceArn of the request
  --source-account ID     aws:SourceAccount of the request
  --organization-id ID    the app's principals belong to this AWS Organization (aws:PrincipalOrgID)
  --json                  print the decision as JSON
  -h, --help              this help

Examples:
  cdk-secure-key can cdk.out -p SecureKeyExample/AppRole -a kms:Decrypt -k SecureKeyExample/DataKey --organization-id o-a1b2c3d4e5
  cdk-secure-key can cdk.out -p Prod/AdminRole -a Decrypt -k alias/orders || echo "admin cannot decrypt: good"
  cdk-secure-key can cdk.out -p Prod/AppRole -a GenerateDataKey -k Prod/Key --via-service s3 -c tenant=acme

${EXIT_CODES}`,
};
