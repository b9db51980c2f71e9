// `npm run lint`: the layers in ARCHITECTURE.md hold. No import cycle in src, and src/lib never imports
// src/commands. Type-only imports are left out: they vanish at build time and cannot form a cycle at run time.
import madge from 'madge'

const graph = await madge('src', {
  detectiveOptions: {es6: {skipTypeImports: true}, ts: {skipAsyncImports: false, skipTypeImports: true}},
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
})
const cycles = graph.circular()
const upward = Object.entries(graph.obj()).flatMap(([file, imports]) =>
  file.startsWith('lib/')
    ? imports.filter((imported) => imported.startsWith('commands/')).map((imported) => `${file} imports ${imported}`)
    : [],
)
for (const cycle of cycles) console.error(`import cycle: ${cycle.join(' -> ')} -> ${cycle[0]}`)
for (const line of upward) console.error(`src/lib must not import src/commands: ${line}`)
if (cycles.length > 0 || upward.length > 0) process.exitCode = 1
else console.log(`imports: ${Object.keys(graph.obj()).length} files, no cycle, src/lib never imports src/commands`)
