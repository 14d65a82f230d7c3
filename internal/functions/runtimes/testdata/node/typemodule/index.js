let flag = false;
await new Promise((r) => setTimeout(r, 20));
flag = true;
export const handler = async () => ({ flag });
