/** LocalKms warns, once per process, when constructed inside an AWS runtime (issue 18: LocalKms in production code). */
import type { LocalKms as LocalKmsClass } from '../../lambda/providers/local-kms';

function freshLocalKms(): typeof LocalKmsClass {
  let ctor: typeof LocalKmsClass | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ctor = (require('../../lambda/providers/local-kms') as { LocalKms: typeof LocalKmsClass }).LocalKms;
  });
  return ctor!;
}

afterEach(() => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  delete process.env.AWS_EXECUTION_ENV;
  jest.restoreAllMocks();
});

test('in a Lambda function (AWS_LAMBDA_FUNCTION_NAME set) it emits SECUREKEY_LOCAL_KMS_IN_AWS once, naming the variable', () => {
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'orders';
  const LocalKms = freshLocalKms();
  new LocalKms();
  new LocalKms();
  expect(warn).toHaveBeenCalledTimes(1);
  expect(warn.mock.calls[0][0]).toMatch(/^LocalKms is running where AWS_LAMBDA_FUNCTION_NAME is set .* use it only for development and tests, and real KMS \(AwsKmsKeyProvider\) in deployed code\.$/);
  expect(warn.mock.calls[0][1]).toEqual({ code: 'SECUREKEY_LOCAL_KMS_IN_AWS' });
});

test('AWS_EXECUTION_ENV (ECS, Lambda) is recognised too; outside AWS nothing is emitted', () => {
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  new (freshLocalKms())();
  expect(warn).not.toHaveBeenCalled();
  process.env.AWS_EXECUTION_ENV = 'AWS_ECS_FARGATE';
  new (freshLocalKms())();
  expect(warn).toHaveBeenCalledTimes(1);
  expect(warn.mock.calls[0][0]).toMatch(/where AWS_EXECUTION_ENV is set/);
});
