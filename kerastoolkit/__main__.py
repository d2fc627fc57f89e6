from kerastoolkit.cli import main

main()
