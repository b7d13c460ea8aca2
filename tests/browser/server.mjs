// A tiny static server on 127.0.0.1: the harness page at "/", the Scratch GUI's dist/ folder for everything else,
// and extra files (the .sb3 under test) at fixed paths.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
    '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.gif': 'image/gif',
    '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf',
    '.otf': 'font/otf', '.sb3': 'application/x.scratch.sb3', '.hex': 'application/octet-stream'
};

/**
 * Start serving; resolves to {url, close()}.
 * @param {string} distDir the GUI's dist/ folder
 * @param {Record<string, string>} files url path -> file on disk ("/" is the harness page)
 */
export function startServer (distDir, files) {
    const root = path.resolve(distDir);
    const server = http.createServer((req, res) => {
        const urlPath = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
        let file = files[urlPath];
        if (!file) {
            file = path.join(root, path.normalize(urlPath));
            if (!file.startsWith(root + path.sep)) file = null; // no escaping the dist folder
        }
        fs.stat(file || '', (err, stat) => {
            if (err || !stat.isFile()) {
                res.writeHead(404, {'Content-Type': 'text/plain'});
                res.end('not found');
                return;
            }
            res.writeHead(200, {
                'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
                'Content-Length': stat.size,
                'Cache-Control': 'no-store'
            });
            fs.createReadStream(file).pipe(res);
        });
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const {port} = server.address();
            resolve({url: `http://127.0.0.1:${port}`, close: () => new Promise(r => server.close(r))});
        });
    });
}
