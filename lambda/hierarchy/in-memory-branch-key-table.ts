/**
 * A BranchKeyTable in memory, for unit tests and local runs: GetItem and all-or-nothing
 * TransactWriteItems with the two condition expressions the store uses. Items are copied in and out.
 */
import { ATTR_BRANCH_KEY_ID, ATTR_ENC, ATTR_TYPE, BranchKeyAttributeValue, BranchKeyItem } from './branch-key-items';
import { BranchKeyTable, BranchKeyTablePut, CONDITION_ACTIVE_UNCHANGED, CONDITION_NEW_ITEM } from './branch-key-store-client';

/** The error a failed condition raises, named as DynamoDB names it. */
export class TransactionCanceledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionCanceledException';
  }
}

export class InMemoryBranchKeyTable implements BranchKeyTable {
  public readonly calls = { getItem: 0, transactWriteItems: 0 };
  private readonly items = new Map<string, Record<string, BranchKeyAttributeValue>>();

  public async getItem(input: { TableName: string; Key: Record<string, BranchKeyAttributeValue> }): Promise<{ Item?: BranchKeyItem }> {
    this.calls.getItem++;
    const item = this.items.get(this.id(input.TableName, input.Key));
    return { Item: item ? copyItem(item) : undefined };
  }

  public async transactWriteItems(input: { TransactItems: Array<{ Put: BranchKeyTablePut }> }): Promise<unknown> {
    this.calls.transactWriteItems++;
    const puts = input.TransactItems.map((t) => t.Put);
    for (const put of puts) {
      const existing = this.items.get(this.id(put.TableName, put.Item));
      if (!this.conditionHolds(put, existing)) {
        throw new TransactionCanceledError(`Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed] (${put.ConditionExpression})`);
      }
    }
    for (const put of puts) this.items.set(this.id(put.TableName, put.Item), copyItem(put.Item));
    return {};
  }

  /** Every stored item of a table, for tests that inspect the format. */
  public itemsOf(tableName: string): BranchKeyItem[] {
    return [...this.items.entries()].filter(([k]) => k.startsWith(`${tableName}\u0000`)).map(([, v]) => copyItem(v));
  }

  /** Replaces one stored attribute, for tests of tampering. */
  public tamper(tableName: string, branchKeyId: string, type: string, name: string, value: BranchKeyAttributeValue): void {
    const key = this.id(tableName, { [ATTR_BRANCH_KEY_ID]: { S: branchKeyId }, [ATTR_TYPE]: { S: type } });
    const item = this.items.get(key);
    if (!item) throw new Error(`No item ${type} of ${branchKeyId}`);
    item[name] = value;
  }

  private conditionHolds(put: BranchKeyTablePut, existing: Record<string, BranchKeyAttributeValue> | undefined): boolean {
    if (put.ConditionExpression === CONDITION_NEW_ITEM) return existing === undefined;
    if (put.ConditionExpression === CONDITION_ACTIVE_UNCHANGED) {
      const old = put.ExpressionAttributeValues?.[':encOld']?.B;
      const current = existing?.[ATTR_ENC]?.B;
      return old !== undefined && current !== undefined && Buffer.from(old).equals(Buffer.from(current));
    }
    throw new Error(`InMemoryBranchKeyTable does not evaluate the condition "${put.ConditionExpression}".`);
  }

  private id(table: string, key: Record<string, BranchKeyAttributeValue>): string {
    return `${table}\u0000${key[ATTR_BRANCH_KEY_ID]?.S}\u0000${key[ATTR_TYPE]?.S}`;
  }
}

function copyItem(item: Record<string, BranchKeyAttributeValue>): Record<string, BranchKeyAttributeValue> {
  const out: Record<string, BranchKeyAttributeValue> = {};
  for (const [k, v] of Object.entries(item)) out[k] = v.B ? { B: Uint8Array.from(v.B) } : { ...v };
  return out;
}
