// Doc-comment coverage of the published types: every name exported by an entry point of the package
// (`.`, `./schema`, `./testing`, `./metrics`, as dist/*.d.ts after `npm run build`) and every member
// of the interfaces, classes and object types it exports must carry a JSDoc comment. Prints what is
// missing and exits 1 below 100 %.
//
//   npm run build && npx tsx scripts/doc-coverage.ts [--list] [--min=<percent>]
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ENTRIES = ['index', 'schema', 'testing', 'metrics'].map((name) => resolve(root, 'dist', `${name}.d.ts`))
const args = process.argv.slice(2)
const list = args.includes('--list')
const min = Number(args.find((a) => a.startsWith('--min='))?.slice('--min='.length) ?? 100)

for (const entry of ENTRIES) {
  if (!existsSync(entry)) {
    console.error(`doc-coverage: ${entry} is missing; run npm run build first`)
    process.exit(2)
  }
}

const program = ts.createProgram(ENTRIES, { strict: true, skipLibCheck: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'] })
const checker = program.getTypeChecker()

/** True when `node` (or the statement it is declared in) has a `/** … *\/` comment right before it. */
function documented(node: ts.Node): boolean {
  const text = node.getSourceFile().text
  // `declare const a: X` documents through its statement; a variable declaration has none of its own.
  const target = ts.isVariableDeclaration(node) ? node.parent.parent : node
  const ranges = ts.getLeadingCommentRanges(text, target.getFullStart()) ?? []
  return ranges.some((r) => text.startsWith('/**', r.pos) && text.slice(r.pos + 3, r.end - 2).replace(/[*\s]/g, '').length > 0)
}

interface Item { name: string; file: string; ok: boolean }
const items = new Map<string, Item>()
const where = (node: ts.Node) => `${node.getSourceFile().fileName.slice(root.length + 1)}:${node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1}`
const inDist = (node: ts.Node) => node.getSourceFile().fileName.startsWith(resolve(root, 'dist'))

function add(name: string, decl: ts.Node): void {
  const key = `${name}@${decl.getSourceFile().fileName}:${decl.getStart()}`
  if (items.has(key)) return
  items.set(key, { name, file: where(decl), ok: documented(decl) })
}

/** Members that are named in the published types: properties, methods, accessors; not private ones. */
function members(owner: string, decl: ts.Node): void {
  let elements: readonly ts.Node[] = []
  if (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) elements = decl.members
  else if (ts.isTypeAliasDeclaration(decl) && ts.isTypeLiteralNode(decl.type)) elements = decl.type.members
  for (const m of elements) {
    if (ts.isConstructorDeclaration(m) || ts.isIndexSignatureDeclaration(m) || ts.isCallSignatureDeclaration(m)) continue
    const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : []
    if (mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword)) continue
    const name = (m as { name?: ts.PropertyName }).name
    if (!name || ts.isPrivateIdentifier(name)) continue
    add(`${owner}.${name.getText()}`, m)
  }
}

for (const entry of ENTRIES) {
  const source = program.getSourceFile(entry)!
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (!moduleSymbol) continue
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const decls = (symbol.declarations ?? []).filter(inDist)
    const first = decls[0]
    if (!first) continue // re-exported from a dependency (drizzle, zod): documented there
    add(exported.name, first)
    for (const d of decls) members(exported.name, d)
  }
}

const all = [...items.values()]
const missing = all.filter((i) => !i.ok)
const pct = all.length === 0 ? 100 : (100 * (all.length - missing.length)) / all.length
const top = all.filter((i) => !i.name.includes('.'))
const topMissing = top.filter((i) => !i.ok)
if (list || missing.length > 0) for (const m of missing) console.log(`undocumented: ${m.name}  (${m.file})`)
console.log(`doc comments: ${all.length - missing.length} of ${all.length} published declarations (${pct.toFixed(1)} %); ` +
  `exported names ${top.length - topMissing.length} of ${top.length}, members ${all.length - top.length - (missing.length - topMissing.length)} of ${all.length - top.length}`)
if (pct < min) {
  console.error(`doc-coverage: below ${min} %`)
  process.exit(1)
}
