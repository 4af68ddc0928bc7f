/**
 * Validators for CloudFormation resource properties, compiled from the resource schemas in test/fixtures
 * (the provider repo's copy and the us-east-1 registry's copy).
 */
import * as fs from 'node:fs';
import Ajv, { ValidateFunction } from 'ajv';
import { fixturePath } from './fixtures';

/** The two copies of the schemas: [label, folder under test/fixtures/cloudformation-schemas]. */
export const SCHEMA_SETS = [['provider', ''], ['registry us-east-1', 'registry-us-east-1']] as const;

interface ResourceSchema {
  properties: object;
  definitions?: object;
  required?: string[];
  additionalProperties?: boolean;
}

/** A validator of a resource's Properties, from `test/fixtures/cloudformation-schemas/<dir>/<file>`. */
export function schemaValidator(dir: string, file: string): ValidateFunction {
  const schema = JSON.parse(fs.readFileSync(fixturePath('cloudformation-schemas', dir, file), 'utf8')) as ResourceSchema;
  // Registry schemas carry extra keywords (insertionOrder, tagging, handlers...) and cfn-lint format
  // names such as "AWS::KMS::Key.Arn": ignore unknown keywords and do not validate formats.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile({
    type: 'object',
    properties: schema.properties,
    definitions: schema.definitions ?? {},
    required: schema.required ?? [],
    additionalProperties: schema.additionalProperties ?? false,
  });
}
