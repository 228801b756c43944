import { IsInt, IsOptional, IsString, Max, MaxLength, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString() @MaxLength(5) name!: string;
}

class Child extends Base {
  @IsInt() @Max(10) count!: number;
  @IsOptional() @IsString({ groups: ['strict'] }) note?: unknown;
}

const problems = (value: object, groups?: string[]) =>
  validateSync(value, { forbidUnknownValues: true, ...(groups ? { groups } : {}) })
    .flatMap((error) => Object.keys(error.constraints ?? {}).map((constraint) => `${error.property}:${constraint}`))
    .sort();

const child = (fields: Partial<Child>) => Object.assign(new Child(), fields);

describe('class-validator metadata, kept per class (issue 12)', () => {
  const cases: Array<[string, object, string[]?]> = [
    ['valid child', child({ name: 'ab', count: 3 })],
    ['inherited rule broken', child({ name: 'toolong', count: 3 })],
    ['own and inherited broken', child({ name: 7 as unknown as string, count: 11 })],
    ['group rule outside its group', child({ name: 'ab', count: 3, note: 5 })],
    ['group rule in its group', child({ name: 'ab', count: 3, note: 5 }), ['strict']],
    ['base alone', Object.assign(new Base(), { name: 'toolong' })],
  ];

  it('gives every validation the same answers as without it, also after decorators are added', () => {
    const before = cases.map(([, value, groups]) => problems(value, groups));
    expect(before[1]).toEqual(['name:maxLength']);
    cacheValidationMetadata();
    cacheValidationMetadata(); // once per process, however often called
    for (let round = 0; round < 2; round++) expect(cases.map(([, value, groups]) => problems(value, groups))).toEqual(before);

    // A class defined after the first validations: its decorators, and those it inherits, apply.
    class Late extends Child {
      @IsString() extra!: string;
    }
    expect(problems(Object.assign(new Late(), { name: 'ab', count: 3, extra: 1 }))).toEqual(['extra:isString']);
    expect(problems(Object.assign(new Late(), { name: 'toolong', count: 30, extra: 'x' }))).toEqual(['count:max', 'name:maxLength']);
    expect(cases.map(([, value, groups]) => problems(value, groups))).toEqual(before);
  });
});
