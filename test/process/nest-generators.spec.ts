import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const PROJECT_FILES = [
  'src',
  'nest-cli.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'eslint.config.mjs',
  '.prettierrc',
];

describe('Nest CLI generators in this layout', () => {
  let scratch: string;
  const run = (command: string, args: string[]) =>
    execFileSync(join(ROOT, 'node_modules', '.bin', command), args, { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'nest-generate-'));
    for (const file of PROJECT_FILES) cpSync(join(ROOT, file), join(scratch, file), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('puts `nest g resource` under src/modules, wires it into AppModule, and the result builds and lints', () => {
    run('nest', ['generate', 'resource', 'widgets', '--type', 'rest', '--crud']);

    const moduleDir = join(scratch, 'src', 'modules', 'widgets');
    for (const file of [
      'widgets.module.ts',
      'widgets.controller.ts',
      'widgets.service.ts',
      'dto/create-widget.dto.ts',
    ]) {
      expect(existsSync(join(moduleDir, file))).toBe(true);
    }
    const appModule = readFileSync(join(scratch, 'src', 'app.module.ts'), 'utf8');
    expect(appModule).toContain("import { WidgetsModule } from './modules/widgets/widgets.module';");
    expect(appModule).toMatch(/imports: \[[\s\S]*WidgetsModule,[\s\S]*\]/);

    run('nest', ['build']);
    expect(existsSync(join(scratch, 'dist', 'modules', 'widgets', 'widgets.controller.js'))).toBe(true);
    expect(existsSync(join(scratch, 'dist', 'main.js'))).toBe(true);
    run('eslint', ['src/modules/widgets', 'src/app.module.ts', '--max-warnings', '0']);
  }, 120_000);
});
