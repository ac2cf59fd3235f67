function folder = lineage_temp_folder()
%LINEAGE_TEMP_FOLDER  A new empty folder on the path, for function files written by a test.
%   FOLDER = lineage_temp_folder() creates the folder and puts it first on the path;
%   remove it with lineage_remove_folder(FOLDER).
%
%   Example:
%     folder = lineage_temp_folder();
%     lineage_remove_folder(folder);
folder = tempname();
mkdir(folder);
addpath(folder);
end
