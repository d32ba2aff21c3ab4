// Names the docs' code blocks use without defining them: the reader's own app.
// Each is typed loosely on purpose: the blocks show this SDK's API, which is checked strictly.
declare const app: any;
declare const db: any;
declare const queue: any;
declare const request: Request;
declare const req: any;
declare const res: any;
declare const rawBody: string;
declare const body: string;
declare const headers: Record<string, string>;
declare const secret: string;
declare const verifiedBody: string;
declare function creditAffiliate(affiliateId: string, amount: number): Promise<void>;
declare function alertFinance(reason: string | undefined): Promise<void>;
declare function credit(...args: unknown[]): Promise<void>;
declare function notify(...args: unknown[]): Promise<void>;
declare const newSecret: string;
declare const oldSecret: string;
declare function markPaid(...args: unknown[]): Promise<void>;
