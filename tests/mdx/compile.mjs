// Compile MDX files with the real MDX compiler; print "ok <file>" or "FAIL <file> <error>".
import {compile} from '@mdx-js/mdx'
import {readFileSync} from 'node:fs'

for (const file of process.argv.slice(2)) {
  try {
    await compile(readFileSync(file, 'utf8'))
    console.log('ok', file)
  } catch (error) {
    console.log('FAIL', file, String(error).split('\n')[0])
    process.exitCode = 1
  }
}
