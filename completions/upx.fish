# Fish completion for upx-totp, upx-login, upx-jwt and upx-perm.
#
# Fish loads completions by command name, so install.sh copies this file to
# upx-totp.fish, upx-login.fish, upx-jwt.fish and upx-perm.fish in
# PREFIX/share/fish/vendor_completions.d. Loading it again replaces the
# completions it added before instead of adding them twice.
#
# NOTE: once a value starts with "-", as in "upx-totp --digits -", fish 3.6
# offers option names there. A condition (-n) cannot stop that, because fish
# also checks it before it completes the option's own values.

function __upx_profiles --description 'Print NAME<tab>profile for each upx/NAME.env in the config folder'
    set -l folder $XDG_CONFIG_HOME
    test -n "$folder"; or set folder $HOME/.config
    for file in $folder/upx/*.env
        test -f $file; and string replace -r '^.*/(.*)\.env$' '$1\tprofile' -- $file
    end
end

for tool in upx-totp upx-login upx-jwt upx-perm
    complete -c $tool --erase
    complete -c $tool -s h -l help -d 'Print the help and exit'
    complete -c $tool -l version -d 'Print the version and exit'
end

complete -c upx-totp -f
complete -c upx-totp -s a -l algorithm -x -a 'sha1\t"HMAC-SHA1, the default" sha256\tHMAC-SHA256 sha512\tHMAC-SHA512' -d 'HMAC hash'
complete -c upx-totp -s d -l digits -x -d 'Number of digits in the code, 6 to 10 (default 6)'
complete -c upx-totp -s p -l period -x -d 'Length of one time step in seconds (default 30)'
complete -c upx-totp -l epoch -x -d 'Start of time step 0: Unix seconds or ISO 8601 date-time'
complete -c upx-totp -l counter -x -d 'Compute the HOTP code for this counter'
complete -c upx-totp -l at -x -d 'Compute the code at this time: Unix seconds or ISO 8601 date-time'
complete -c upx-totp -l window -x -d 'List the codes N steps either side'
complete -c upx-totp -l remaining -d 'Print the seconds left in the current time step'
complete -c upx-totp -l next -d 'Print the code of the following step'
complete -c upx-totp -l verify -x -d 'Exit 0 if CODE is within the window'
complete -c upx-totp -l watch -d 'Keep the code current until Ctrl-C'
complete -c upx-totp -l json -d 'Print the result as one JSON object'
complete -c upx-totp -l secret-file -r -F -d 'Read the secret from this file'
complete -c upx-totp -s P -l profile -x -a '(__upx_profiles)' -d 'Use the TOTP secret of this upx-login profile'
complete -c upx-totp -a - -d 'Read the secret from standard input'

complete -c upx-login -f
complete -c upx-login -s e -l export -d 'Print shell commands that export the token and its expiry'
complete -c upx-login -l shell -x -a 'sh bash zsh fish csh tcsh' -d 'Write --export for this shell (default: the parent process'"'"'s)'
complete -c upx-login -s p -l print -d 'Print the bare access token'
complete -c upx-login -l json -d 'Print the token record as one JSON object'
complete -c upx-login -l format -x -a 'export\t"Shell commands, as --export" env\t"KEY=VALUE lines" json\t"One JSON object, as --json" token\t"The bare token, as --print"' -d 'Standard output format'
complete -c upx-login -l exec -d 'Run COMMAND in place of upx-login, with the token in its environment'
complete -c upx-login -n '__fish_use_subcommand; and not __fish_seen_argument -l exec' -a exec -d 'Run COMMAND in place of upx-login, with the token in its environment'
# After --exec or exec, complete the command and its arguments as fish would without upx-login.
# The arguments after the --fcs-skip flag name the options that take a value, and short ones go
# first because __fish_complete_subcommand reads leading --words as its own flags. Its skip
# count covers upx-login and, in the second form, the word exec.
complete -c upx-login -n '__fish_seen_argument -l exec; and not __fish_seen_subcommand_from exec' -x -a '(__fish_complete_subcommand --fcs-skip=1 -P --profile --env-file --shell --format --keyring --min-valid --audit-log --connect-timeout --timeout --retries)'
complete -c upx-login -n '__fish_seen_subcommand_from exec' -x -a '(__fish_complete_subcommand --fcs-skip=2 -P --profile --env-file --shell --format --keyring --min-valid --audit-log --connect-timeout --timeout --retries)'
complete -c upx-login -s P -l profile -x -a '(__upx_profiles)' -d 'Account profile, which names the key upx:NAME'
complete -c upx-login -l env-file -r -F -d 'Read credentials from this env file instead of the profile'"'"'s'
complete -c upx-login -l check-config -d 'Show each setting, its source and whether it is valid'
complete -c upx-login -l list-profiles -d 'List the profiles that have an env file'
complete -c upx-login -s f -l force -d 'Log in even when a valid token is cached, past the rate limit'
complete -c upx-login -l keyring -x -a 'user\t"User keyring, the default" persistent\t"Persistent keyring, kept after logout" session\t"Session keyring"' -d 'Keyring of the cached token'
complete -c upx-login -l no-keyring -d 'Log in and print the token without storing it'
complete -c upx-login -l min-valid -x -d 'Serve a cached token only with more than DURATION left'
complete -c upx-login -l status -d 'Show the cached token'"'"'s user, key and time left'
complete -c upx-login -l purge -d 'Remove every upx key from every keyring'
complete -c upx-login -l audit-log -r -F -d 'Also append audit lines to this file'
complete -c upx-login -l verify-online -d 'Ask Upstox whether the cached token still works before using it'
complete -c upx-login -l logout -d 'Revoke the cached token at Upstox and remove its key'
complete -c upx-login -l connect-timeout -x -d 'Maximum time to connect, per request (default 10s)'
complete -c upx-login -l timeout -x -d 'Maximum time of each request (default 30s)'
complete -c upx-login -l retries -x -d 'Retry a rate-limited or failed request up to N times where safe (default 2)'
complete -c upx-login -s d -l debug -d 'Print each request with its timing on stderr'
complete -c upx-login -s q -l quiet -d 'Print nothing on stderr but errors'

complete -c upx-jwt -f
complete -c upx-jwt -l check -d 'Print nothing; exit 0 when the token is valid, 1 when it is not'
complete -c upx-jwt -l min-valid -x -d 'Count the token as invalid when less than DURATION is left'
complete -c upx-jwt -l leeway -x -d 'Allowance for clock skew after exp and before nbf (default 0)'
complete -c upx-jwt -l remaining -d 'Print the whole seconds left until expiry'
complete -c upx-jwt -l claim -x -d 'Print one claim'
complete -c upx-jwt -l json -d 'Print header, claims and expiry as one JSON object'
complete -c upx-jwt -s P -l profile -x -a '(__upx_profiles)' -d 'Read the cached token of key upx:NAME'
complete -c upx-jwt -l keyring -x -a 'user\t"User keyring, the default" persistent\t"Persistent keyring, kept after logout" session\t"Session keyring"' -d 'Keyring of the cached token'
complete -c upx-jwt -a - -d 'Read the token from standard input'

complete -c upx-perm -l fix -d 'Remove group and others access, append missing .gitignore patterns'
complete -c upx-perm -s r -l recursive -d 'Search below each folder for credentials by name'
complete -c upx-perm -l max-age -x -d 'Remind to rotate files unchanged for more than DAYS days (0: off)'
complete -c upx-perm -l record -d 'Store the SHA-256 of each file checked'
complete -c upx-perm -l json -d 'Print one JSON object instead of lines'
complete -c upx-perm -s q -l quiet -d 'Print nothing but errors'
