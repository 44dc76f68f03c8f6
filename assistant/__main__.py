from assistant.interface.launcher import main

main()
