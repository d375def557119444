// nginx configurations: the shared upstream (answers "ok" itself) and nginx as the native
// reference proxy, routing by Host through a `map` over the same tenant table.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function common(dir: string, workerConnections: number): string {
  mkdirSync(join(dir, "tmp"), { recursive: true });
  return `worker_processes 1;
worker_rlimit_nofile ${workerConnections * 2};
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections ${workerConnections}; }
`;
}

function temps(dir: string): string {
  const t = join(dir, "tmp");
  return `client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi; uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;`;
}

export function upstreamConfig(dir: string, port: number): string {
  const file = join(dir, "nginx.conf");
  writeFileSync(
    file,
    `${common(dir, 4096)}
http {
  access_log off;
  ${temps(dir)}
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${port} reuseport;
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`,
  );
  return file;
}

export function proxyConfig(dir: string, port: number, hosts: Map<string, string>, upstreams: Map<string, string>): string {
  const file = join(dir, "nginx.conf");
  const names = new Map([...upstreams.keys()].map((endpoint, i) => [endpoint, `cell_${i}`]));
  const map = [...hosts].map(([host, endpoint]) => `    ${host} ${names.get(endpoint)};`).join("\n");
  const blocks = [...names].map(([endpoint, name]) => `  upstream ${name} { server ${new URL(endpoint).host}; keepalive 256; }`).join("\n");
  writeFileSync(
    file,
    `${common(dir, 10_000)}
http {
  access_log off;
  ${temps(dir)}
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  map_hash_max_size 65536;
  map_hash_bucket_size 128;
  map $host $tenant_cell {
    hostnames;
    default "";
${map}
  }
  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
${blocks}
  server {
    listen 127.0.0.1:${port};
    location / {
      if ($tenant_cell = "") { return 404; }
      proxy_pass http://$tenant_cell;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Request-Id $request_id;
      proxy_read_timeout 300s;
    }
  }
}
`,
  );
  return file;
}
