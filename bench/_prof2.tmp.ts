import { fork } from 'node:child_process';
import autocannon from 'autocannon';
const child = fork(new URL('./express-auth-options.bench.ts', import.meta.url), ['--server'], { execArgv: [...process.execArgv, '--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const { port } = await new Promise<any>((r) => child.once('message', r));
const path = process.argv[2]!;
const res = await autocannon({ url: `http://127.0.0.1:${port}${path}`, method: 'POST', headers: { authorization: 'Bearer bench-token-0123456789abcdef' }, connections: 10, duration: 10 });
console.log(path, res['2xx'] / res.duration);
child.disconnect();
await new Promise((r) => child.once('exit', r));
