// The `webgpu-int8` command line.
import { cac } from 'cac';
import { BUNDLED } from './bundled.ts';
import { inspect } from './inspect.ts';

const cli = cac('webgpu-int8');

cli
  .command('inspect [model]', 'Import a float ONNX model, run the graph passes, print the graph before and after fusion, and measure the float reference on labelled images (defaults: the bundled Fashion-MNIST CNN and test set)')
  .option('--data <file>', 'Images (IDX, optionally .gz)', { default: BUNDLED.testImages })
  .option('--labels <file>', 'Labels (IDX, optionally .gz)', { default: BUNDLED.testLabels })
  .option('--count <n>', 'How many images to evaluate (0 skips evaluation)', { default: 1000 })
  .option('--nhwc', 'Also assign the NHWC layout of the int8 path')
  .action((model: string | undefined, o: { data: string; labels: string; count: number; nhwc?: boolean }) =>
    inspect(model ?? BUNDLED.model, { data: o.data, labels: o.labels, count: Number(o.count), nhwc: o.nhwc ?? false }),
  );

cli.option('--verbose', 'Print stack traces on errors');
cli.help();
cli.version('0.1.0');

async function main(): Promise<void> {
  try {
    cli.parse(process.argv, { run: false });
    if (!cli.matchedCommand && !cli.options.help && !cli.options.version) {
      cli.outputHelp();
      process.exitCode = cli.args.length > 0 ? 1 : 0;
      return;
    }
    await cli.runMatchedCommand();
  } catch (e) {
    // A user sees one line that says what was wrong; --verbose adds the stack for us.
    const error = e as Error;
    console.error(`webgpu-int8: ${error.message}`);
    if (process.argv.includes('--verbose')) console.error(error.stack);
    process.exitCode = 1;
  }
}

await main();
