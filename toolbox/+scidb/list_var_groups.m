function names = list_var_groups()
%LIST_VAR_GROUPS  The names of the variable groups of the current database.
%   N = scidb.list_var_groups() is a 1-by-N cellstr of the groups' names, sorted.
%   It calls the method of the same name of scidb.get_database().
%
%   Example:
%     scidb.add_to_var_group('emg', 'RawEMG');
%     scidb.list_var_groups()
%
%   See also scidb.add_to_var_group, scidb.get_var_group.

db = scidb.get_database();
names = db.list_var_groups();
end
