declare module "swagger-ui-dist/absolute-path.js" {
  /** Folder holding swagger-ui's static files; importing this avoids loading the 1 MB UI bundle on the server. */
  const getAbsoluteFSPath: () => string;
  export default getAbsoluteFSPath;
}
