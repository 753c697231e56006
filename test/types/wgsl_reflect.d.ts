// wgsl_reflect's node entry is CommonJS inside a "type": "module" package and fails to load;
// its ES module build works, with the package's own types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
