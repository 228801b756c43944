import { getMetadataArgsStorage } from 'typeorm';

/**
 * The one way rows become entities (issue 11): repositories write plain SQL whose SELECT
 * (or RETURNING) list names each column by its entity property, `d.user_id AS "userId"`, so
 * a row (pg already turns timestamptz into Date and jsonb into objects) takes the entity's
 * shape as it comes and `toEntity` only gives it its class. The lists come from the entity's
 * own decorators, which `npm run check:migrations` holds to the migrations: the column names
 * are written once, in the entity.
 *
 * Plain SQL rather than TypeORM's finds and query builder: the hot reads need a join or one
 * statement for several checks, and the builder costs far more CPU per query than the query.
 */
type EntityClass<T extends object> = new () => T;
/** Any entity class (its instances are what rows become). */
type AnyEntity = abstract new (...args: never[]) => object;

const columnsByEntity = new Map<AnyEntity, ReadonlyArray<readonly [column: string, property: string]>>();

/** The entity's columns, in declaration order, as [database name, property name]. */
export function columnsOf(entity: AnyEntity): ReadonlyArray<readonly [column: string, property: string]> {
  let columns = columnsByEntity.get(entity);
  if (!columns) {
    columns = getMetadataArgsStorage()
      .filterColumns(entity)
      .map((column) => [column.options.name ?? column.propertyName, column.propertyName] as const);
    if (columns.length === 0) throw new Error(`${entity.name} is not an entity with columns`);
    columnsByEntity.set(entity, columns);
  }
  return columns;
}

/** `d.user_id AS "userId", …` for every column of the entity; with a prefix, `AS "<prefix>userId"` (see `splitPrefixed`). */
export function selectColumns(entity: AnyEntity, alias: string, prefix = ''): string {
  return columnsOf(entity)
    .map(([column, property]) => `${alias}.${column} AS "${prefix}${property}"`)
    .join(', ');
}

/** A row selected with `selectColumns` as the entity. */
export function toEntity<T extends object>(entity: EntityClass<T>, row: object): T {
  return Object.assign(new entity(), row);
}

export function toEntities<T extends object>(entity: EntityClass<T>, rows: object[]): T[] {
  return rows.map((row) => toEntity(entity, row));
}

/** A joined row split in two: the properties without the prefix, and those with it (the prefix cut off). */
export function splitPrefixed(
  row: Record<string, unknown>,
  prefix: string,
): [plain: Record<string, unknown>, prefixed: Record<string, unknown>] {
  const plain: Record<string, unknown> = {};
  const prefixed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith(prefix)) prefixed[key.slice(prefix.length)] = value;
    else plain[key] = value;
  }
  return [plain, prefixed];
}

function columnOf(entity: AnyEntity, property: string): string {
  const found = columnsOf(entity).find(([, name]) => name === property);
  if (!found) throw new Error(`${entity.name} has no column for property ${property}`);
  return found[0];
}

/** Parameters as pg takes them: objects (jsonb) as JSON text. */
function parameter(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
}

/** `INSERT INTO <table>` of the given columns of one row (every column when `only` is left out). */
export function insertRow(entity: AnyEntity, table: string, row: object, only?: readonly string[]): { sql: string; parameters: unknown[] } {
  const values = row as Record<string, unknown>;
  const columns = columnsOf(entity).filter(([, property]) => !only || only.includes(property));
  const parameters = columns.map(([, property]) => parameter(values[property] ?? null));
  const names = columns.map(([column]) => column).join(', ');
  const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
  return { sql: `INSERT INTO ${table} (${names}) VALUES (${placeholders})`, parameters };
}

/** `UPDATE <table> SET …` of the given properties of the row with this id. */
export function updateRow(entity: AnyEntity, table: string, id: string, changes: object): { sql: string; parameters: unknown[] } {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  const assignments = entries.map(([property], i) => `${columnOf(entity, property)} = $${i + 2}`).join(', ');
  return { sql: `UPDATE ${table} SET ${assignments} WHERE id = $1`, parameters: [id, ...entries.map(([, value]) => parameter(value))] };
}
/** One SQL statement with its `$n` parameters. */
export interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * Several data-modifying statements sent as one (issue 12: one round trip per command where
 * there were several): all but the last become `WITH sN AS (…)` parts of the last, each one's
 * `$n` renumbered after the parameters of those before it. Postgres runs every part on the same
 * snapshot and fires their constraint checks and triggers at the end of the whole statement;
 * no part may read what another writes (none here does).
 */
export function oneStatement(statements: readonly Statement[]): Statement {
  if (statements.length === 1) return statements[0];
  const parameters: unknown[] = [];
  const parts = statements.map(({ sql, parameters: own }) => {
    const offset = parameters.length;
    parameters.push(...own);
    return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = parts.pop()!;
  return { sql: `WITH ${parts.map((part, i) => `s${i} AS (${part})`).join(', ')} ${last}`, parameters };
}
