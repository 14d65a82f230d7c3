export const handler = async () => 'file';
