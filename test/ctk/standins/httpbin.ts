// A stand-in for https://httpbin.org on 127.0.0.1: the few endpoints weft's tests use.
import { type TestServer, json, startServer } from '../../runtime/helpers/server.js';

export async function startHttpbin(): Promise<TestServer> {
  return startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    const basic = /^\/basic-auth\/([^/]+)\/([^/]+)$/.exec(path);
    if (basic) {
      const expected =
        'Basic ' +
        Buffer.from(`${decodeURIComponent(basic[1]!)}:${decodeURIComponent(basic[2]!)}`).toString(
          'base64',
        );
      if (req.headers.authorization !== expected)
        return res.writeHead(401, { 'www-authenticate': 'Basic realm="Fake Realm"' }).end();
      return json(res, 200, { authenticated: true, user: decodeURIComponent(basic[1]!) });
    }
    if (path === '/bearer') {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ')) return res.writeHead(401).end();
      return json(res, 200, { authenticated: true, token: auth.slice(7) });
    }
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return res.writeHead(Number(status[1])).end();
    if (path === '/redirect-to')
      return res.writeHead(302, { location: url.searchParams.get('url') ?? '/get' }).end();
    if (
      path === '/get' ||
      path === '/post' ||
      path === '/anything' ||
      path.startsWith('/anything/')
    ) {
      let body: unknown;
      try {
        body = req.body ? JSON.parse(req.body) : null;
      } catch {
        body = null;
      }
      return json(res, 200, {
        method: req.method,
        args: Object.fromEntries(url.searchParams),
        headers: req.headers,
        json: body,
        data: req.body,
        url: req.url,
      });
    }
    return json(res, 404, { error: 'not found' });
  });
}
