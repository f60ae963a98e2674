/**
 * The README's TypeScript examples compile as written. Every ```ts block of README.md and packages/*\/README.md
 * is compiled, as its own module, against the packages' source (the `@tessera/source` condition) under the
 * workspace's strict compiler options. A block may opt out only by starting with `// Fragment: <reason>`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { typeScriptBlocks, type TypeScriptBlock } from './typeScriptBlocks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages'))
    .map((name) => join('packages', name, 'README.md'))
    .filter((path) => existsSync(join(root, path))),
];

interface Example extends TypeScriptBlock {
  readme: string;
  /** Where the block is compiled from: a file that exists only in memory, beside this test. */
  fileName: string;
}

const examples: Example[] = readmes.flatMap((readme) =>
  typeScriptBlocks(readFileSync(join(root, readme), 'utf8')).map((block) => ({
    ...block,
    readme,
    fileName: join(here, `${readme.replaceAll('/', '_')}-L${block.line}.example.ts`),
  })),
);

/** The workspace's compiler options (this folder's tsconfig.json), for files that emit nothing. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(here, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, here, undefined, configFile).options;
}

/** Compiles every example that is not a fragment in one program; returns its diagnostics per file. */
function compileExamples(): Map<string, string[]> {
  const compiled = examples.filter((example) => example.fragmentReason === undefined);
  const sources = new Map(compiled.map((example) => [example.fileName, example.code]));
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (fileName) => sources.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => sources.get(fileName) ?? readFile.call(host, fileName);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const source = sources.get(fileName);
    return source === undefined ? getSourceFile.call(host, fileName, languageVersion, ...rest) : ts.createSourceFile(fileName, source, languageVersion, true);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  const byFile = new Map<string, string[]>([...sources.keys()].map((fileName) => [fileName, []]));
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    for (const messages of byFile.values()) messages.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  for (const fileName of sources.keys()) {
    const example = compiled.find((candidate) => candidate.fileName === fileName) as Example;
    const sourceFile = program.getSourceFile(fileName) as ts.SourceFile;
    for (const diagnostic of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      byFile.get(fileName)?.push(`${example.readme}:${example.line + line}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    }
  }
  return byFile;
}

describe('README TypeScript examples', () => {
  let diagnostics: Map<string, string[]>;
  beforeAll(() => {
    diagnostics = compileExamples();
  }, 120_000);

  it('finds the examples of the main README and of every package README that has any', () => {
    expect(examples.filter((example) => example.readme === 'README.md').length).toBeGreaterThanOrEqual(5);
    expect(new Set(examples.map((example) => basename(dirname(example.readme)))).size).toBeGreaterThan(1);
  });

  it.each(examples.filter((example) => example.fragmentReason === undefined).map((example) => [`${example.readme}:${example.line}`, example] as const))(
    '%s compiles as written',
    (_, example) => {
      expect(diagnostics.get(example.fileName)).toEqual([]);
    },
  );

  it('every block that is not compiled says why, on its first line', () => {
    const fragments = examples.filter((example) => example.fragmentReason !== undefined);
    for (const fragment of fragments) expect(fragment.fragmentReason, `${fragment.readme}:${fragment.line}`).not.toBe('');
  });
});
