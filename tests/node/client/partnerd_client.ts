// partnerd_client.ts - a small client of the partnerd API, typed only by
// what openapi-typescript generates from GET /openapi.json (openapi_e2e.sh
// writes partnerd-api.d.ts beside a copy of this file and runs
// `tsc --noEmit -p tsconfig.json`). It reads the fields a real client
// would; if one leaves the document or changes its type, this no longer
// type-checks. Nothing here runs in the tests: the answers themselves are
// checked against the same document by validate_answers.mjs.
import type { components, paths } from './partnerd-api';

type Schemas = components['schemas'];
type Creator = Schemas['Creator'];
type ApiError = Schemas['Error'];
type LoginBody = paths['/api/login']['post']['requestBody']['content']['application/json'];
type Session = paths['/api/login']['post']['responses'][200]['content']['application/json'];
type DiscoverQuery = NonNullable<paths['/api/creators']['get']['parameters']['query']>;
type DiscoverPage = paths['/api/creators']['get']['responses'][200]['content']['application/json'];
type Certification =
  paths['/api/creators/{id}/certification']['get']['responses'][200]['content']['application/json'];
type NewPost = paths['/api/creators/{id}/posts']['post']['requestBody']['content']['application/json'];
type Published = paths['/api/creators/{id}/posts']['post']['responses'][201]['content']['application/json'];
type ImpactRequest = paths['/api/policies/impact']['post']['requestBody']['content']['application/json'];
type ImpactReport = paths['/api/policies/impact']['post']['responses'][200]['content']['application/json'];

export class PartnerdError extends Error {
  constructor(readonly status: number, readonly body: ApiError) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
  }
}

export class Partnerd {
  private token = '';

  constructor(private readonly base: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new PartnerdError(res.status, (await res.json()) as ApiError);
    return (await res.json()) as T;
  }

  async signIn(body: LoginBody): Promise<Session['user']> {
    const s = await this.call<Session>('POST', '/api/login', body);
    this.token = s.token;
    return s.user;
  }

  /** Every page of a discovery query, following next. */
  async *discover(query: DiscoverQuery): AsyncGenerator<Creator> {
    let after: string | null = null;
    do {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...query, ...(after === null ? {} : { after }) }))
        if (v !== undefined) params.set(k, String(v));
      const page: DiscoverPage = await this.call<DiscoverPage>('GET', `/api/creators?${params}`);
      yield* page.items;
      after = page.next;
    } while (after !== null);
  }

  /** What a creator has to change to be certified: one line per failed rule. */
  async toDo(id: number): Promise<string[]> {
    const c = await this.call<Certification>('GET', `/api/creators/${id}/certification`);
    if (c.certified) return [];
    return c.failed.map((f) =>
      `${f.rule}: ${f.value ?? 'no posts'} against ${f.threshold} (${f.explanation})` +
      (f.sponsored === undefined ? '' : `, with ${f.sponsored} sponsored`));
  }

  async publish(creator: number, post: NewPost): Promise<boolean> {
    const p = await this.call<Published>('POST', `/api/creators/${creator}/posts`, post);
    return p.post.kind === 'sponsored' && p.certification.certified;
  }

  /** Certified counts under the baseline and each candidate, by category. */
  async impact(req: ImpactRequest): Promise<Map<string, number[]>> {
    const r = await this.call<ImpactReport>('POST', '/api/policies/impact', req);
    const out = new Map<string, number[]>();
    for (const g of r.breakdowns.category) out.set(g.group, g.policies.map((p) => p.certified));
    out.set('all', r.policies.map((p) => p.certified));
    out.set('lost', r.policies.map((p) => p.lost ?? 0));
    return out;
  }
}

export function describe(c: Creator): string {
  const mcn = c.mcn_id === null ? 'independent' : `MCN ${c.mcn_id}`;
  const cert = c.certification.certified ? 'certified' : 'not certified';
  return `@${c.handle} (${c.category}, ${mcn}): ${c.followers} followers, ` +
    `${c.certification.avg_views} average views, ${cert} since ${c.updated_at}`;
}

export async function example(base: string): Promise<string[]> {
  const api = new Partnerd(base);
  const me = await api.signIn({ name: 'ops', password: 'secret' });
  const lines = [`signed in as ${me.name} (${me.role})`];
  for await (const c of api.discover({ category: 'beauty', certified: true, sort: 'followers', limit: 20 }))
    lines.push(describe(c));
  lines.push(...(await api.toDo(1)));
  await api.publish(1, { kind: 'organic' });
  const impact = await api.impact({ candidate: { name: 'next', window_days: 30, rules: { min_followers: 5000 } } });
  for (const [group, counts] of impact) lines.push(`${group}: ${counts.join(' / ')}`);
  return lines;
}
