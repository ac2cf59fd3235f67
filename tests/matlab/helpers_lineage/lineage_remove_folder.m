function lineage_remove_folder(folder)
%LINEAGE_REMOVE_FOLDER  Take a folder made by lineage_temp_folder off the path and delete it.
%   Example:
%     lineage_remove_folder(lineage_temp_folder());
rmpath(folder);
confirm_recursive_rmdir_if_octave();
rmdir(folder, 's');
end

function confirm_recursive_rmdir_if_octave()
% GNU Octave asks before removing a folder with files unless told not to.
if exist('OCTAVE_VERSION', 'builtin') > 0
    confirm_recursive_rmdir(false);
end
end
