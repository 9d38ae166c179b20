from aigovkg.cli import main

main()
