function file = lineage_write(folder, name, lines)
%LINEAGE_WRITE  Write a function file for a test and make the runtime read it again.
%   FILE = lineage_write(FOLDER, NAME, LINES) writes the cellstr LINES, one per line, to
%   FOLDER/NAME.m (replacing it) and clears the function NAME from memory, so that its
%   next call runs the new text. Returns the file's path.
%
%   Example:
%     lineage_write(tempdir(), 'tmp_fn', {'function y = tmp_fn(x)', 'y = x;', 'end'});
file = fullfile(folder, [name, '.m']);
fid = fopen(file, 'w');
if fid < 0
    error('lineage:test:write', 'cannot write %s', file);
end
fprintf(fid, '%s\n', lines{:});
fclose(fid);
clear(name);
end
