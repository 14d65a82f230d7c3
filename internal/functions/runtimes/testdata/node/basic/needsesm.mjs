import pad from 'left-pad';
export const handler = async () => pad('x', 3);
