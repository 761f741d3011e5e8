# The flake's check of the built package's tree: what pkexec, the desktop and a user's shell rely
# on. The build sandbox runs as an unprivileged user, so the helper must refuse to run here.
{
  runCommand,
  desktop-file-utils,
  libxml2,
  cohabit,
}:

runCommand "cohabit-installed-tree"
  {
    nativeBuildInputs = [
      desktop-file-utils
      libxml2
    ];
  }
  ''
    policy=${cohabit}/share/polkit-1/actions/org.cohabit.helper.policy
    helper=$(xmllint --xpath 'string(//annotate[@key="org.freedesktop.policykit.exec.path"])' $policy)
    [ "$helper" = ${cohabit}/lib/cohabit/helper/cohabit-helper ] || { echo "policy names $helper"; exit 1; }
    [ -x "$helper" ] || { echo "$helper is not executable"; exit 1; }

    # pkexec's environment: no PATH worth the name.
    set +e
    echo '{"type":"list-unfinished"}' | env -i PATH=/nonexistent "$helper" > refusal.json
    status=$?
    set -e
    [ $status -eq 4 ] || { echo "the helper exited $status as a normal user"; exit 1; }
    grep -q '"code":"not-root"' refusal.json
    grep -q 'must run as root' refusal.json

    version=$(env -i ${cohabit}/bin/cohabit --version)
    [ "$version" = ${cohabit.version} ] || { echo "cohabit --version said $version"; exit 1; }
    [ -x ${cohabit}/bin/cohabit-desktop ]
    [ -s ${cohabit}/share/man/man1/cohabit.1 ]
    desktop-file-validate ${cohabit}/share/applications/cohabit.desktop
    touch $out
  ''
