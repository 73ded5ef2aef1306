// Compile OSRM steps with osrm-text-instructions (the real library): reads [{lang, step, legIndex, legCount}] as
// JSON on stdin, writes the instructions (or {"error": message}) as a JSON array on stdout.
const path = process.argv[2];
const compiler = require(path)('v5');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((item) => {
    try {
      return compiler.compile(item.lang, item.step, { legIndex: item.legIndex, legCount: item.legCount });
    } catch (e) {
      return { error: String(e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
