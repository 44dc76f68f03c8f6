from assistant.launcher import main

main()
