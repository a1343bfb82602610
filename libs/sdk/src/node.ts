// '@idstream/sdk/node': what only Node has (the file system).
export { fileStorage } from './storage/file-storage';
